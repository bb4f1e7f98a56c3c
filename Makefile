# Each target creates its own virtual environment in .venv if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := demo-out

.PHONY: demo test test-cuda bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e '.[test,plot,mpi]'
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	@mkdir -p $(DEMO)
	$(BIN)/python -m w2vns.io.synthetic $(DEMO)/corpus.txt --sentences 40000
	$(BIN)/w2vns train $(DEMO)/corpus.txt -o $(DEMO)/vectors.bin --epochs 10 --min-count 5 --sample 1e-3 --seed 1
	$(BIN)/w2vns similar $(DEMO)/vectors.bin cat red piano -n 5
	$(BIN)/w2vns analogy $(DEMO)/vectors.bin france paris japan -n 3
	$(BIN)/w2vns analogy $(DEMO)/vectors.bin king queen father -n 3

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

# The CUDA kernels compiled to PTX and assembled by ptxas (no GPU needed; a few minutes),
# in a virtual environment of their own: numba-cuda replaces numba's CUDA target there.
CUDA_VENV := .venv-cuda
$(CUDA_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(CUDA_VENV)
	$(CUDA_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CUDA_VENV)/bin/python -m pip install --quiet -e . pytest 'numba-cuda[cu13]' nvidia-cuda-nvcc
	touch $@

test-cuda: $(CUDA_VENV)/.installed
	$(CUDA_VENV)/bin/python -m pytest -q -s tests/test_cuda_compile.py

bench: $(VENV)/.installed-test
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(DEMO) bench-out
