# One image for every process: web (gunicorn), Celery worker and Celery beat.
# Build: docker build -t artsvp .   Run the whole stack: docker compose up --build
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so code changes do not reinstall them. Every package and
# every transitive dependency is pinned by hash in requirements.lock.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

COPY . .

# The translations, compiled from locale/*/django.po (polib: no gettext needed).
RUN python -m artsvp.catalogs

# Static files are collected at build time and served by WhiteNoise with
# hashed names; the throwaway key only satisfies settings (DEBUG=0 needs one).
RUN DEBUG=0 SECRET_KEY=collectstatic-only-not-a-real-secret \
    python manage.py collectstatic --noinput

RUN useradd --system --uid 10001 --home-dir /app artsvp
USER artsvp

EXPOSE 8000
# gunicorn.conf.py: bind 0.0.0.0:8000, access log on stdout with secret links
# redacted, 30 s timeout, 2 x cores + 1 workers unless WEB_CONCURRENCY says otherwise.
CMD ["gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"]
