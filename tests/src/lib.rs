//! Synthetic scanned batches with exact ground truth. OWNED BY THE GENERATOR HELPER.
