"""Codebooks: the YAML format, rule blocks, and their validation."""
