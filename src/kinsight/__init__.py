"""Kinsight: children's information for English local authorities and their partners.

The packages follow the flow of data (see docs/architecture.md):
sources → quality → linkage → store → analysis → outputs, with governance
deciding every person-level use and core holding what they all share.
"""

__version__ = "0.1.0"
