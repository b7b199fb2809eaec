# Image of the bureaux service: `docker run -p 8000:8000 -v $PWD/data:/data bureaux`.
# Same install steps as the README: a virtual environment with the package.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=/data/bureaux.db

RUN useradd --create-home --uid 10001 bureaux \
    && mkdir /data && chown bureaux /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY ingest ./ingest
COPY geometry ./geometry
COPY service ./service
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir '.[postgis]'
ENV PATH=/opt/venv/bin:$PATH

USER bureaux
WORKDIR /data
EXPOSE 8000
ENTRYPOINT ["bureaux"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
