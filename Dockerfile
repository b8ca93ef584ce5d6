# Production image: gunicorn serving rupn.wsgi; the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RUPN_VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles

WORKDIR /app

# WeasyPrint (the letters' PDF) draws text with Pango; HarfBuzz's subsetter keeps the embedded
# fonts small and the render several times faster.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so that a code change does not reinstall them. The project itself is
# not a package (setuptools `packages = []`): installing "." installs its dependencies only.
COPY pyproject.toml ./
RUN pip install .

COPY . .

# Static files are part of the image; the key below exists only for this build step.
RUN RUPN_ENV=production SECRET_KEY=collectstatic-only-not-a-secret ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

RUN useradd --create-home --uid 10001 rupn \
    && mkdir -p /app/var/media /app/var/emails \
    && chown -R rupn:rupn /app/var
USER rupn

EXPOSE 8000
CMD ["gunicorn", "rupn.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", \
     "--access-logfile", "-"]
