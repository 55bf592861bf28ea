"""The family portal: a child, young person or parent sees what is held and can challenge it."""
