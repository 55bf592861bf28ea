"""Sign-in: local accounts (argon2, lockout) and single sign-on by OIDC; roles per user."""
