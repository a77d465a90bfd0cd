# Airflow with Lantern installed, for docker-compose.yml. The Airflow version equals the
# lock file's pin; Chromium comes from the OS packages (Playwright's own download is not used).
FROM apache/airflow:3.3.2-python3.11
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium \
 && rm -rf /var/lib/apt/lists/*
COPY --chown=airflow:0 . /opt/lantern
USER airflow
RUN pip install --no-cache-dir -r /opt/lantern/requirements.lock \
 && pip install --no-cache-dir --no-deps /opt/lantern
WORKDIR /opt/lantern
# DAG files import shared definitions as dags.assets.
ENV PYTHONPATH=/opt/lantern
