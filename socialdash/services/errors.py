"""Typed errors. Every error carries one sentence a marketer understands in ``str(err)``."""

from __future__ import annotations


class SocialdashError(Exception):
    """Base class: ``str(err)`` is a plain-language sentence safe to show to a user."""

    default_message = "Something went wrong with this data."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)

    @property
    def message(self) -> str:
        return str(self)


class IngestError(SocialdashError):
    """The uploaded file cannot be read as a table of posts."""

    default_message = "This file could not be read as a table of posts."


class EmptyFileError(IngestError):
    default_message = "The file is empty. Export your posts again and upload the new file."


class BinaryFileError(IngestError):
    default_message = (
        "This looks like a binary file (an image, archive or program), not a CSV or Excel export of posts."
    )


class NotATableError(IngestError):
    default_message = "The file has no rows of data under its header, so there is nothing to cluster."


class TooLargeError(IngestError):
    default_message = "The file is larger than this server accepts."


class UnsupportedFileError(IngestError):
    default_message = "Only CSV, TSV, TXT and Excel (.xlsx) files can be uploaded."


class CorruptFileError(IngestError):
    default_message = "The file is damaged or protected with a password and cannot be opened."


class NoUsableColumnsError(IngestError):
    default_message = "No column in this file holds usable values."


class PipelineError(SocialdashError):
    """The data was read, but the chosen analysis cannot run on it."""

    default_message = "The analysis cannot run with these settings."


class NoFeaturesError(PipelineError):
    default_message = (
        "No column is selected for clustering. Include at least one numeric or category column on Preprocess."
    )


class TooFewRowsError(PipelineError):
    default_message = "There are too few posts for this number of clusters."


class DatasetNotFoundError(SocialdashError):
    default_message = "This dataset is no longer on the server. Please upload the file again."
