"""The scan's batch pipeline: the batch loop over the input, then the list stage (:mod:`.run`)."""
