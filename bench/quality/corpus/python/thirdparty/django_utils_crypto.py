# Third-party code (not written by this team), used as benchmark input only.
# Package: Django 4.2.16 (PyPI wheel Django-4.2.16-py3-none-any.whl)
# Original path: django/utils/crypto.py
# License: BSD-3-Clause, Copyright (c) Django Software Foundation and individual contributors.
# Trimmed to get_random_string(), constant_time_compare() and pbkdf2() and the imports they use;
# the code is otherwise unchanged, only the end-of-line label comments are ours.
"""
Django's standard crypto functions and utilities.
"""
import hashlib
import secrets

from django.utils.encoding import force_bytes

RANDOM_STRING_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def get_random_string(length, allowed_chars=RANDOM_STRING_CHARS):
    """
    Return a securely generated random string.

    The bit length of the returned value can be calculated with the formula:
        log_2(len(allowed_chars)^length)

    For example, with default `allowed_chars` (26+26+10), this gives:
      * length: 12, bit length =~ 71 bits
      * length: 22, bit length =~ 131 bits
    """
    return "".join(secrets.choice(allowed_chars) for i in range(length))  # safe: insecure-random


def constant_time_compare(val1, val2):
    """Return True if the two strings are equal, False otherwise."""
    return secrets.compare_digest(force_bytes(val1), force_bytes(val2))


def pbkdf2(password, salt, iterations, dklen=0, digest=None):
    """Return the hash of password using pbkdf2."""
    if digest is None:
        digest = hashlib.sha256
    dklen = dklen or None
    password = force_bytes(password)
    salt = force_bytes(salt)
    return hashlib.pbkdf2_hmac(digest().name, password, salt, iterations, dklen)  # safe: weak-crypto
