# Dockerfile: the migrate command-line tool in a small image, laid out like Flyway's official one.
#
#   docker build -t migrate .
#   docker run --rm -v "$PWD/sql:/flyway/sql:ro" -v "$PWD/conf:/flyway/conf:ro" \
#       -e FLYWAY_URL=jdbc:postgresql://db.example.internal:5432/factory_prod -e FACTORY_PROD_PASSWORD \
#       migrate -configFiles=conf/factory_prod.conf info
#
# The working directory is /flyway: migrations are read from /flyway/sql (the default location, filesystem:sql)
# and configuration from /flyway/conf (conf/flyway.toml or conf/flyway.conf are read without -configFiles).
# Mount them, or bake them into an image of your own: FROM migrate / COPY sql /flyway/sql.
# docker-compose.yml's migrate service runs this image with conf/factory_dev.conf.

# The build stage: the toolchain of the same Debian release as the runtime stage below (glibc, libpq).
ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libpq-dev libpg-query-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY Package.swift ./
COPY Sources ./Sources
# Only because Package.swift names the test targets; nothing in it is built.
COPY Tests ./Tests
# The release binary as scripts/release.sh builds it: the Swift runtime and Foundation linked in statically,
# stripped; it needs only libpq, libpg_query and the C library at run time.
RUN swift build -c release --static-swift-stdlib --product migrate --scratch-path .build-release \
    && strip -o /build/migrate "$(swift build -c release --static-swift-stdlib --product migrate --scratch-path .build-release --show-bin-path)/migrate" \
    && /build/migrate --version

FROM ${RUNTIME_IMAGE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libpq5 libpg-query1504.0 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/migrate /usr/local/bin/migrate
# A user of its own: migrations never run with root's rights inside the container.
RUN useradd --system --uid 10001 --user-group --home-dir /flyway --shell /usr/sbin/nologin migrate \
    && mkdir -p /flyway/sql /flyway/conf \
    && chown migrate:migrate /flyway
USER migrate
WORKDIR /flyway
ENTRYPOINT ["migrate"]
CMD ["--help"]
