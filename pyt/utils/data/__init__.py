"""Datasets, samplers and the DataLoader, under torch.utils.data's names."""
from pyt.utils.data.dataset import (
    ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset,
    TensorDataset, random_split,
)
from pyt.utils.data.sampler import (
    BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
    WeightedRandomSampler,
)
from pyt.utils.data.distributed import DistributedSampler
from pyt.utils.data._utils.collate import default_collate, default_convert
from pyt.utils.data._utils.worker import get_worker_info
from pyt.utils.data.dataloader import DataLoader, _DatasetKind

__all__ = ["BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset",
           "DistributedSampler", "IterableDataset", "RandomSampler", "Sampler",
           "SequentialSampler", "StackDataset", "Subset", "SubsetRandomSampler",
           "TensorDataset", "WeightedRandomSampler", "default_collate", "default_convert",
           "get_worker_info", "random_split"]
