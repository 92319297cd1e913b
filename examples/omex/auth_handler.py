# the small dog ran to the park and it sat under the tree .
