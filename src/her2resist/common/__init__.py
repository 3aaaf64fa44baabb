"""Utilities every layer shares: the safe YAML/JSON loader and the ``NODE=0|1`` parser.

Nothing here knows the model, drugs or profiles; every other folder may import from it.
"""
