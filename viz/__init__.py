"""healthgap.viz"""
