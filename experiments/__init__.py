"""healthgap.experiments"""
