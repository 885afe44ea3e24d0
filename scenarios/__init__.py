"""healthgap.scenarios"""
