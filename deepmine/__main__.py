"""``python -m deepmine ...`` (and ``torchrun ... -m deepmine classify ...``): the deepmine command line."""

from deepmine.cli.main import main

if __name__ == "__main__":
    main()
