DROP TABLE print_batch_codes;
DROP TABLE print_batches;
