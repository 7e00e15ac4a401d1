"""Django settings for the wiki (production profile)."""

import os

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SECRET_KEY = "django-insecure-7c#k2v!q9w@z1x8m4n6b0p3r5t"  # expect: hardcoded-secret
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]  # safe: hardcoded-secret

DEBUG = TEMPLATE_DEBUG = True  # expect: debug
DEBUG = os.environ.get("DJANGO_ENV", "production") == "development"  # safe: debug

ALLOWED_HOSTS = ["wiki.example.com"]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "wiki",
        "USER": "wiki",
        "PASSWORD": "Sup3rS3cretDbPass!",  # expect: hardcoded-secret
        "HOST": "db.internal",
    },
    "replica": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "wiki",
        "USER": "wiki_ro",
        "PASSWORD": os.environ.get("REPLICA_DB_PASSWORD", ""),  # safe: hardcoded-secret
        "HOST": "db-replica.internal",
    },
}

SESSION_COOKIE_SECURE = True
SESSION_COOKIE_SAMESITE = "None"  # expect: insecure-cookie
CSRF_COOKIE_SECURE = True  # safe: insecure-cookie
SESSION_COOKIE_HTTPONLY = False  # expect: insecure-cookie

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",  # expect: weak-crypto
    "django.contrib.auth.hashers.Argon2PasswordHasher",  # safe: weak-crypto
]

EMAIL_USE_TLS = False  # expect: tls
EMAIL_HOST = "smtp.example.com"

AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY9"  # expect: hardcoded-secret
STRIPE_API_KEY = os.environ.get("STRIPE_API_KEY")  # safe: hardcoded-secret
