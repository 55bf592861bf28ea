"""Outputs: disclosure control, EES files, xlsx, report rendering."""
