# Letterbox: multi-stage build, small runtime image, non-root user, data in a volume.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked && strip target/release/letterbox

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin letterbox \
 && mkdir -p /data && chown letterbox:letterbox /data
COPY --from=build /src/target/release/letterbox /usr/local/bin/letterbox
USER letterbox
ENV LETTERBOX_LISTEN=0.0.0.0:8080 \
    LETTERBOX_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/letterbox"]
CMD ["serve"]
