"""The ``proofbox`` command line (:func:`proofbox.cli.main.main`)."""
