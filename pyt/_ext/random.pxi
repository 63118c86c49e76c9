# Random tensors from the Philox generator.
# (being written)

cdef _uniform_(Tensor self, from_, to, generator):
    raise NotImplementedError("uniform_")

cdef _normal_(Tensor self, mean, std, generator):
    raise NotImplementedError("normal_")

cdef _random_(Tensor self, from_, to, generator):
    raise NotImplementedError("random_")

cdef _bernoulli_(Tensor self, p, generator):
    raise NotImplementedError("bernoulli_")

def bernoulli(Tensor input, p=None, *, generator=None, out=None):
    raise NotImplementedError("bernoulli")

cdef _exponential_(Tensor self, lambd, generator):
    raise NotImplementedError("exponential_")

def multinomial(Tensor input, num_samples, replacement=False, *, generator=None, out=None):
    raise NotImplementedError("multinomial")
