# Image of the IOC processes for docker-compose.yml (worker, dashboard, simulator, init).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY ioc ioc
COPY streams streams
COPY alerts alerts
COPY dashboard dashboard
COPY simulators simulators
RUN pip install --no-cache-dir . && useradd --system ioc
USER ioc
CMD ["ioc", "--help"]
