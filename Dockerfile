# One image, three process types: web (default), worker, beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=complywise.settings.production \
    COMPLYWISE_VAR_DIR=/app/var

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# collectstatic needs a key only to import settings; the real one comes from the environment at run time.
RUN SECRET_KEY=build-only FIELD_ENCRYPTION_KEY=0GUmlMeUfgoZ4FqHiRPLVsg2ntXfDwrh95zS4d2kTnU= \
    python manage.py collectstatic --noinput \
 && useradd --system --uid 10001 complywise \
 && mkdir -p /app/var && chown -R complywise /app/var
USER complywise
EXPOSE 8000
CMD ["gunicorn", "complywise.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4"]
