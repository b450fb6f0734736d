.PHONY: demo test race ci bench build fmt vet
demo:
	go run ./cmd/feedbackbot demo
test:
	go test ./...
race:
	go test -race -count=1 ./...
ci:
	bash .ci/run
bench:
	go run ./bench
build:
	CGO_ENABLED=0 go build -trimpath -o bin/feedbackbot ./cmd/feedbackbot
fmt:
	gofmt -w $$(git ls-files '*.go')
vet:
	go vet ./...
