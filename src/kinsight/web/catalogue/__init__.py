"""The data catalogue: every source (supply) and what each objective needs (demand), with gaps."""
