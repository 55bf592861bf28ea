"""Pages every audience shares: the start page, the accessibility statement, error pages."""
