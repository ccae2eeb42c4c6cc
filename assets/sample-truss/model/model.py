class Model:
    def __init__(self, **kwargs) -> None:
        self._ready = False

    def load(self) -> None:
        self._ready = True

    def predict(self, model_input: dict) -> dict:
        return {"echo": model_input}
