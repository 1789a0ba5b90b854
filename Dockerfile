# Image of the IOC processes for docker-compose.yml (worker, dashboard, simulator, init).
# Stage 1 builds the dashboard's web app (Vite + TypeScript); only its static output goes into the image.
FROM node:20-slim AS web
WORKDIR /web
COPY dashboard/web/package.json dashboard/web/package-lock.json dashboard/web/.npmrc ./
RUN npm ci --no-audit --no-fund
COPY dashboard/web ./
RUN npm run build

FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY ioc ioc
COPY streams streams
COPY alerts alerts
COPY dashboard dashboard
COPY simulators simulators
COPY bench bench
COPY --from=web /web/dist dashboard/web/dist
RUN pip install --no-cache-dir . && useradd --system ioc
USER ioc
CMD ["ioc", "--help"]
