# Coinflip: multi-stage build, runs as a non-root user.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
RUN pip install --no-cache-dir --upgrade pip \
    && pip wheel --no-cache-dir --wheel-dir /wheels '.[postgres]'

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 coinflip
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY advice ./advice
COPY config.example.yaml ./
RUN mkdir -p /app/data && chown coinflip:coinflip /app/data
USER coinflip
VOLUME ["/app/data"]
ENV PYTHONUNBUFFERED=1
# Slack HTTP mode listens on 3000; Discord and Socket Mode need no inbound port.
EXPOSE 3000
ENTRYPOINT ["coinflip"]
CMD ["run"]
