"""Utilities under torch.utils' names (dlpack; data and trainer come later)."""
