"""A hostile-input corpus that the tests generate for themselves (`corpus.py`): no binary file is committed."""
