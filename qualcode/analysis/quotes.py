def attribution(*a, **k):
    raise NotImplementedError

def redact(*a, **k):
    raise NotImplementedError

def representative_quotes(*a, **k):
    raise NotImplementedError

