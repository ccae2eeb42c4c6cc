aws iam create-user --user-name baseten-ecr-pull
aws iam put-user-policy \
    --user-name baseten-ecr-pull \
    --policy-name baseten-ecr-read \
    --policy-document file://ecr-read-policy.json
aws iam create-access-key \
    --user-name baseten-ecr-pull \
    --query 'AccessKey.[AccessKeyId,SecretAccessKey]' \
    --output text
