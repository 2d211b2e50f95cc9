print("skannr-api")
