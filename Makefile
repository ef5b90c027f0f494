# The two commands a new user needs: `make demo` and `make test`.
# Each installs what is missing, builds, and runs.

BUILD ?= build
MESON_OPTS ?=

.PHONY: all deps build demo test test-fast clean

all: build

deps:
	@bash .ci/setup

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

demo: build
	@bash app/demo.sh $(BUILD)

# The whole meson suite; the last line is a plain "N passed, N failed"
# summary for tools that read it.
test: build
	@bash tests/run.sh $(BUILD)

test-fast: build
	@bash tests/run.sh $(BUILD) --suite fast

clean:
	rm -rf $(BUILD)
