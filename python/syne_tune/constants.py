"""Constants shared between the tuner and training scripts (same names as Syne Tune's)."""

SYNE_TUNE_ENV_FOLDER = "SYNETUNE_FOLDER"
SYNE_TUNE_DEFAULT_FOLDER = "syne-tune"

ST_TUNER_CREATION_TIMESTAMP = "st_tuner_creation_timestamp"
ST_TUNER_START_TIMESTAMP = "st_tuner_start_timestamp"

# Keys written by the reporter
ST_WORKER_ITER = "st_worker_iter"
ST_WORKER_TIMESTAMP = "st_worker_timestamp"
ST_WORKER_TIME = "st_worker_time"
ST_WORKER_COST = "st_worker_cost"

# Keys of the tuner's results
ST_TRIAL_ID = "trial_id"
ST_TUNER_TIMESTAMP = "st_tuner_timestamp"
ST_TUNER_TIME = "st_tuner_time"
ST_DECISION = "st_decision"
ST_STATUS = "st_status"

ST_CHECKPOINT_DIR = "st_checkpoint_dir"
ST_CONFIG_JSON_FNAME_ARG = "st_config_json_filename"

ST_RESULTS_DATAFRAME_FILENAME = "results.csv.zip"
ST_METADATA_FILENAME = "metadata.json"
ST_DATETIME_FORMAT = "%Y-%m-%d-%H-%M-%S"
TUNER_DEFAULT_SLEEP_TIME = 5.0

ST_METRIC_TAG = "tune-metric"
