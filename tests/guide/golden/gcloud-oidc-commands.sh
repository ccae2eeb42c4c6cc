gcloud services enable sts.googleapis.com iamcredentials.googleapis.com \
    --project=my-project
gcloud iam service-accounts create baseten-puller \
    --project=my-project \
    --display-name='Baseten image pulls'
gcloud artifacts repositories add-iam-policy-binding my-repo \
    --project=my-project \
    --location=us-central1 \
    --member=serviceAccount:baseten-puller@my-project.iam.gserviceaccount.com \
    --role=roles/artifactregistry.reader
gcloud iam workload-identity-pools create baseten-pool \
    --project=my-project \
    --location=global \
    --display-name='Baseten'
gcloud iam workload-identity-pools providers create-oidc baseten-oidc \
    --project=my-project \
    --location=global \
    --workload-identity-pool=baseten-pool \
    --issuer-uri=https://oidc.baseten.co \
    --allowed-audiences=oidc.baseten.co \
    --attribute-mapping=google.subject=assertion.sub \
    --attribute-condition="google.subject.startsWith('v=1:org=abc123:team=team456:')"
gcloud iam service-accounts add-iam-policy-binding baseten-puller@my-project.iam.gserviceaccount.com \
    --project=my-project \
    --role=roles/iam.workloadIdentityUser \
    --member='principalSet://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/baseten-pool/*'
