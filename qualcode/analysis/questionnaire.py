def closed_questions(*a, **k):
    raise NotImplementedError

def likert(*a, **k):
    raise NotImplementedError

def open_answers(*a, **k):
    raise NotImplementedError

def ratings(*a, **k):
    raise NotImplementedError

def response_rate(*a, **k):
    raise NotImplementedError

