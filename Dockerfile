# syntax=docker/dockerfile:1
# Build: a static binary, no cgo.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/feedbackbot ./cmd/feedbackbot \
 && mkdir -p /out/data

# Run: distroless static, non-root, nothing but the binary and CA certificates.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/feedbackbot /usr/local/bin/feedbackbot
COPY --from=build --chown=65532:65532 /out/data /data
ENV FEEDBACKBOT_DATA=/data FEEDBACKBOT_ADDR=0.0.0.0:8080
USER 65532:65532
EXPOSE 8080
VOLUME ["/data"]
ENTRYPOINT ["/usr/local/bin/feedbackbot"]
CMD ["run"]
