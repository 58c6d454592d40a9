"""The memory's typed events. They are defined in :mod:`agents.events`, in the union every
consumer reads (that module may import nothing above it), and named here for the memory package."""

from agents.events import (
    MEMORY_EVENTS,
    MemoryKind,
    MemoryModelCall,
    MemoryOp,
    MemoryRead,
    MemoryReflected,
    MemoryUnavailable,
    MemoryWriteUnreadable,
    MemoryWritten,
    RetrievedMemory,
    StoreProblem,
    WriteMethod,
)

__all__ = [
    "MEMORY_EVENTS",
    "MemoryKind",
    "MemoryModelCall",
    "MemoryOp",
    "MemoryRead",
    "MemoryReflected",
    "MemoryUnavailable",
    "MemoryWriteUnreadable",
    "MemoryWritten",
    "RetrievedMemory",
    "StoreProblem",
    "WriteMethod",
]
