"""Tumour response (RECIST 1.1, mRECIST, EASL, RECICL) and TACE failure: pure functions."""
