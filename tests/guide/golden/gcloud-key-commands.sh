gcloud iam service-accounts create baseten-puller \
    --project=my-project \
    --display-name='Baseten image pulls'
gcloud artifacts repositories add-iam-policy-binding my-repo \
    --project=my-project \
    --location=us-central1 \
    --member=serviceAccount:baseten-puller@my-project.iam.gserviceaccount.com \
    --role=roles/artifactregistry.reader
gcloud iam service-accounts keys create key.json \
    --iam-account=baseten-puller@my-project.iam.gserviceaccount.com \
    --project=my-project
