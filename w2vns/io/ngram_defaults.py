"""fastText's subword settings, importable without NumPy (the options read them)."""

DEFAULT_MINN = 3  # shortest character n-gram
DEFAULT_MAXN = 6  # longest character n-gram (0: none)
DEFAULT_BUCKET = 2_000_000  # hashed n-gram rows
