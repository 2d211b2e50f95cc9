print("skannr-scanner")
