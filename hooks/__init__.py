"""CodeDeploy lifecycle hooks, deployed as Lambda functions of their own by the program."""
