"""The compensation core: amount parsing, the year-by-year calculator, bands, reports, chart.

Pure code shared by Discord and the terminal; imports no adapter.
"""
