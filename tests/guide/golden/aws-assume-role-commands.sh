aws iam create-role \
    --role-name baseten-ecr-pull \
    --assume-role-policy-document file://trust-policy.json
aws iam put-role-policy \
    --role-name baseten-ecr-pull \
    --policy-name baseten-ecr-read \
    --policy-document file://ecr-read-policy.json
aws iam get-role --role-name baseten-ecr-pull --query Role.Arn --output text
