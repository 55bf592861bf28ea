"""Writing names and values into DuckDB SQL safely.

Kinsight builds SQL from declared settings (rules, schemas, file paths), never from what a
user typed; these two functions are still the only way a name or a value enters a statement,
so that any name or text, quotes included, stays one token.
"""


def quote(identifier: str) -> str:
    """A DuckDB identifier, quoted so that any name is safe."""
    return '"' + identifier.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A DuckDB string literal."""
    return "'" + str(value).replace("'", "''") + "'"
