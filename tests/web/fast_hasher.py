"""argon2 with tiny cost parameters, so tests that sign in with passwords stay fast.

Production keeps Django's Argon2PasswordHasher defaults (settings.PASSWORD_HASHERS).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 256
    parallelism = 1
