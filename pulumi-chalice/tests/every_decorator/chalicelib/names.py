BUCKET = "uploads-bucket"
OTHER_BUCKET = "other-bucket"
