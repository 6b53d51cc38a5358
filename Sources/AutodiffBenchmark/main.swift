print("autodiff benchmark: not yet written")
